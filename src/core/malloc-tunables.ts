/**
 * glibc malloc settings for the processes that move large tensors (workers, coordinator, compressor): buffers of
 * up to 32 MiB come from malloc's heap instead of a fresh mmap() each, and freed heap memory stays in the process
 * for the next buffer instead of going back to the kernel (glibc tunables `glibc.malloc.mmap_threshold`, whose
 * largest allowed value is 32 MiB on 64-bit, and `glibc.malloc.trim_threshold`; glibc manual, "Memory Allocation
 * Tunables"). Every parameter version a worker fetches and every gradient the coordinator takes in is a new buffer
 * (gRPC messages, reassembled tensors); from fresh mmap()ed memory each of its pages is a page fault with zeroing
 * on first touch. On this project's CI machines (Firecracker VMs) that costs about 12 µs per 4 KiB page, ~100 ms per
 * 32 MiB: 3 ms with these settings once the heap has grown (`npx tsx bench/runtime.ts --broadcast-only` compares
 * both). The price: a process's RSS stays at its peak. glibc reads GLIBC_TUNABLES at process start only, so it is
 * set where processes are started: the images (deploy/docker/Dockerfile) and the local cluster's workers; musl
 * ignores it.
 */

/** The GLIBC_TUNABLES value (see the file comment). */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296';

/**
 * The environment for a child process: `env` with GLIBC_TUNABLES = {@link MALLOC_TUNABLES}, unless `env` sets
 * GLIBC_TUNABLES already (the caller's choice wins, an empty value included).
 */
export function withMallocTunables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env['GLIBC_TUNABLES'] === undefined ? { ...env, GLIBC_TUNABLES: MALLOC_TUNABLES } : env;
}
