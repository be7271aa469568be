/**
 * A worker thread running one of Cairn's own modules, given the URL of its .js file in dist/ or of its .ts
 * file when Cairn runs from source under tsx.
 *
 * A .ts module loads in a worker only once tsx's loader is registered in that thread, and Node 20 does not run
 * the main thread's `--import tsx` in workers (tsx issue #354: "Unknown file extension .ts"). So from source,
 * the worker starts from a one-line module that registers tsx, then imports the real one.
 */
import { Worker } from 'node:worker_threads';

export function startModuleWorker(module: URL): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(module.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
}
