// Programs offered by the explorer's picker.
export const EXAMPLES: { name: string; src: string }[] = [
  { name: 'a neuron: tanh(x1·w1 + x2·w2 + b)', src: 'x1 = 2.0\nx2 = 0.0\nw1 = -3.0\nw2 = 1.0\nb = 6.8813735870195432\ntanh(x1*w1 + x2*w2 + b)' },
  { name: 'micrograd README', src: 'a = -4.0\nb = 2.0\n(a + b) * b + b ** 3 - relu(b - a) / 2' },
  { name: 'a variable used twice: a·a + a', src: 'a = 3.0\na * a + a' },
  { name: 'sigmoid and log: log(sigmoid(w·x))', src: 'w = 0.5\nx = -1.5\nlog(sigmoid(w * x))' },
];
