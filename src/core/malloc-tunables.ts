/**
 * glibc malloc settings for the processes that move large tensors (workers, coordinator, compressor), glibc tunables
 * (glibc manual, "Memory Allocation Tunables"): buffers of up to 32 MiB come from malloc's heap instead of a fresh
 * mmap() each (`glibc.malloc.mmap_threshold`, whose largest allowed value is 32 MiB on 64-bit), freed heap memory
 * stays in the process for the next buffer instead of going back to the kernel (`glibc.malloc.trim_threshold`), and
 * malloc asks for transparent huge pages (`glibc.malloc.hugetlb=1`, glibc ≥ 2.35; older glibc ignores it), which
 * serves larger buffers with 2 MiB pages.
 *
 * Why: every parameter version a worker fetches and every gradient the coordinator takes in is a new buffer (gRPC
 * messages, reassembled tensors), and a fresh page faults on first touch. On this project's CI machines (Firecracker
 * VMs) a 4 KiB fault costs about 12 µs: filling new 8 MiB tensors ran at ~30 ms per 32 MiB (median, up to 100 ms)
 * with glibc's defaults and 4–5 ms with these settings; a 96 MiB tensor (a BERT-base embedding) at 290 ms and 23 ms.
 * `npx tsx bench/runtime.ts --broadcast-only` compares the parameter broadcast under both. The price: a process's
 * RSS stays at its peak. glibc reads GLIBC_TUNABLES at process start only, so it is set where processes are
 * started: the images (deploy/docker/Dockerfile) and the local cluster's workers; musl ignores it.
 */

/** The GLIBC_TUNABLES value (see the file comment). */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.hugetlb=1';

/**
 * The environment for a child process: `env` with GLIBC_TUNABLES = {@link MALLOC_TUNABLES}, unless `env` sets
 * GLIBC_TUNABLES already (the caller's choice wins, an empty value included).
 */
export function withMallocTunables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env['GLIBC_TUNABLES'] === undefined ? { ...env, GLIBC_TUNABLES: MALLOC_TUNABLES } : env;
}
