/**
 * A hashing worker thread of content-identity.ts: hashes each batch of files it is sent (hash-file.ts) and posts
 * back their outcomes in order. content-identity.ts starts it (lib/module-worker.ts) from this file: built, as
 * dist/cli/hash-worker.cjs (an entry of the bundle, beside the chunk that holds content-identity.ts); from source,
 * as this .ts file under tsx.
 */
import { parentPort } from 'node:worker_threads';
import { HASH_CHUNK, hashHostFile, type HashRequest } from './hash-file.js';

const port = parentPort;
if (port === null) throw new Error('hash-worker runs as a worker thread of image-builder/content-identity');
const buffer = Buffer.allocUnsafe(HASH_CHUNK);
port.on('message', (batch: readonly HashRequest[]) => {
  port.postMessage(batch.map((request) => hashHostFile(request, buffer)));
});
