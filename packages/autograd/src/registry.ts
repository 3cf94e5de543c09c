// Which Variable methods are NOT differentiable ops. Every other method of Variable.prototype is a
// differentiable op and must have an entry in the gradcheck table (test/gradcheck-table.ts); a
// test enumerates the prototype and fails on any method that is in neither list.

export const NON_DIFFERENTIABLE_METHODS: readonly string[] = [
  // autograd / housekeeping
  'constructor', 'backward', 'zeroGrad', 'detach', 'data', 'dataSync', 'array', 'item', 'itemAsync', 'dispose', 'toString',
  // integer/boolean results or piecewise-constant functions: no gradient flows through them
  'sign', 'floor', 'ceil', 'round', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalNot',
  'argmax', 'argmin',
];
