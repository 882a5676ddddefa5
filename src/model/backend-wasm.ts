/**
 * The WebAssembly backend (`@tensorflow/tfjs-backend-wasm`): the default for local runs. Its `.wasm` files ship
 * in the package and load under Node from the package's own `dist/` (no `setWasmPaths` needed). tfjs picks the
 * SIMD build when the runtime supports it (Node 20 does).
 */

/** Registers the `wasm` backend with tfjs (idempotent: Node caches the module). */
export function loadWasm(): void {
  // Required lazily so that processes on `cpu` or `tensorflow` never load the WebAssembly module.
  require('@tensorflow/tfjs-backend-wasm');
}
