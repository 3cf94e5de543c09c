// A tiny expression language for the autodiff explorer:
//   program := (name '=' number NEWLINE)* expr
//   expr    := term (('+' | '-') term)*        term := power (('*' | '/') power)*
//   power   := unary ('**' unary)?             unary := '-' unary | call | atom
//   call    := FUNC '(' expr ')'               atom  := number | name | '(' expr ')'
// Errors are SyntaxErrors naming the line and column.

export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'var'; name: string }
  | { kind: 'neg'; arg: Expr }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '**'; a: Expr; b: Expr }
  | { kind: 'call'; fn: FuncName; arg: Expr };

export const FUNCS = ['tanh', 'relu', 'exp', 'log', 'sigmoid', 'sin', 'cos', 'sqrt'] as const;
export type FuncName = (typeof FUNCS)[number];

export interface Program { leaves: { name: string; value: number }[]; expr: Expr }

export function parseProgram(src: string): Program {
  const lines = src.split('\n').map((l) => l.replace(/#.*$/, '').trim());
  const leaves: Program['leaves'] = [];
  let exprLine = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const m = /^([A-Za-z_]\w*)\s*=\s*(-?\d*\.?\d+(?:e[+-]?\d+)?)$/i.exec(lines[i]);
    if (m) {
      if (leaves.some((l) => l.name === m[1])) throw new SyntaxError(`line ${i + 1}: '${m[1]}' is defined twice`);
      leaves.push({ name: m[1], value: Number(m[2]) });
    } else {
      exprLine = i;
    }
  }
  if (exprLine < 0) throw new SyntaxError('no expression: the last line should be one, e.g. tanh(a * b + c)');
  const later = lines.slice(exprLine + 1).filter((l) => l !== '');
  if (later.length) throw new SyntaxError(`line ${exprLine + 1}: only the last line may be an expression`);
  const expr = new Parser(lines[exprLine], exprLine + 1).parse();
  const names = new Set(leaves.map((l) => l.name));
  for (const n of varsOf(expr)) if (!names.has(n)) throw new SyntaxError(`'${n}' is used but not defined (add a line '${n} = 1.0')`);
  return { leaves, expr };
}

function varsOf(e: Expr): string[] {
  switch (e.kind) {
    case 'num': return [];
    case 'var': return [e.name];
    case 'neg': case 'call': return varsOf(e.arg);
    case 'bin': return [...varsOf(e.a), ...varsOf(e.b)];
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly s: string, private readonly line: number) {}
  private fail(msg: string): never { throw new SyntaxError(`line ${this.line}, column ${this.pos + 1}: ${msg}`); }
  private ws(): void { while (this.s[this.pos] === ' ' || this.s[this.pos] === '\t') this.pos++; }
  private eat(tok: string): boolean { this.ws(); if (this.s.startsWith(tok, this.pos)) { this.pos += tok.length; return true; } return false; }
  parse(): Expr {
    const e = this.expr();
    this.ws();
    if (this.pos < this.s.length) this.fail(`unexpected '${this.s[this.pos]}'`);
    return e;
  }
  private expr(): Expr {
    let a = this.term();
    for (;;) {
      if (this.eat('+')) a = { kind: 'bin', op: '+', a, b: this.term() };
      else if (this.eat('-')) a = { kind: 'bin', op: '-', a, b: this.term() };
      else return a;
    }
  }
  private term(): Expr {
    let a = this.power();
    for (;;) {
      this.ws();
      if (this.s.startsWith('**', this.pos)) return a;
      if (this.eat('*')) a = { kind: 'bin', op: '*', a, b: this.power() };
      else if (this.eat('/')) a = { kind: 'bin', op: '/', a, b: this.power() };
      else return a;
    }
  }
  private power(): Expr {
    const a = this.unary();
    return this.eat('**') ? { kind: 'bin', op: '**', a, b: this.unary() } : a;
  }
  private unary(): Expr {
    if (this.eat('-')) return { kind: 'neg', arg: this.unary() };
    this.ws();
    if (this.eat('(')) {
      const e = this.expr();
      if (!this.eat(')')) this.fail("missing ')'");
      return e;
    }
    const num = /^\d*\.?\d+(?:e[+-]?\d+)?/i.exec(this.s.slice(this.pos));
    if (num) { this.pos += num[0].length; return { kind: 'num', value: Number(num[0]) }; }
    const id = /^[A-Za-z_]\w*/.exec(this.s.slice(this.pos));
    if (!id) this.fail(this.pos >= this.s.length ? 'the expression ends too early' : `unexpected '${this.s[this.pos]}'`);
    this.pos += id[0].length;
    if ((FUNCS as readonly string[]).includes(id[0])) {
      if (!this.eat('(')) this.fail(`${id[0]} needs parentheses: ${id[0]}(x)`);
      const arg = this.expr();
      if (!this.eat(')')) this.fail("missing ')'");
      return { kind: 'call', fn: id[0] as FuncName, arg };
    }
    return { kind: 'var', name: id[0] };
  }
}
