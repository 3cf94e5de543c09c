// The host process where there is one (Node), seen without depending on Node's types: the CPU
// backend's environment variables (docs/cpu-kernels.md, "Using it") and built-in modules
// (node:os, node:v8, node:worker_threads). In a browser both are absent.

export interface HostProcess {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

export function hostProcess(): HostProcess | undefined {
  return (globalThis as { process?: HostProcess }).process;
}

/** The environment variable `name`, or undefined (no such variable, or no host process). */
export function envVar(name: string): string | undefined {
  return hostProcess()?.env?.[name];
}
