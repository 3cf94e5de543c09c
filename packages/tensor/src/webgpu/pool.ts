// Size-class free lists of GPUBuffers. A request of n bytes is served from class
// roundUp(n) (4 steps per power of two above 256 B, so at most 25 % slack); a released buffer goes
// back to its class list. The pool holds at most `maxPooledBytes`; beyond that buffers are destroyed.
export function sizeClass(bytes: number): number {
  const n = Math.max(256, bytes);
  const p = 2 ** Math.floor(Math.log2(n));
  if (p === n) return n;
  const step = Math.max(256, p / 4);
  return Math.ceil(n / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private pooled = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    private readonly maxPooledBytes: number,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const cls = sizeClass(bytes);
    const list = this.free.get(cls);
    const b = list?.pop();
    if (b) {
      this.pooled -= cls;
      return b;
    }
    return this.device.createBuffer({ size: cls, usage: this.usage });
  }

  release(b: GPUBuffer): void {
    const cls = b.size;
    if (this.pooled + cls > this.maxPooledBytes) {
      b.destroy();
      return;
    }
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(b);
    this.pooled += cls;
  }

  pooledBytes(): number {
    return this.pooled;
  }

  clear(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooled = 0;
  }
}
