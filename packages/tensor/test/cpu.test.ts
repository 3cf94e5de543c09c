// The shared op suite on the CPU backend (the reference backend: float32, float64, int32, bool).
import { runOpSuite } from './op-suite.js';

runOpSuite('cpu');
