export { SafetensorsError, MAX_HEADER_BYTES, type StDType, type StEntry, type StHeader } from './format.js';
export { type RawTensor, readDType, writeDType } from './codec.js';
export { read, readRaw, parseBytes, serialize, write, toTensor, fromTensor, SafetensorsFile, type RawFile, type ReadOptions, type TensorDict } from './io.js';
