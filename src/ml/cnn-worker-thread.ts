/**
 * The CNN's worker thread (cnn-worker.ts): loads the TensorFlow.js wasm backend and the model it was given, then
 * classifies each batch posted to it and posts the classes and confidences back, their memory moved, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tfReady } from './backend.js';
import { Classifier } from './classifier.js';
import type { CnnWorkerData, CnnToMain, CnnToWorker } from './cnn-worker-protocol.js';

const port = parentPort!;
const data = workerData as CnnWorkerData;
const tf = await tfReady();
const classifier = new Classifier(tf, data.manifest, data.params);
port.on('message', (m: CnnToWorker) => {
  let reply: CnnToMain;
  try {
    const p = classifier.predict(m.rows, m.n, m.width);
    reply = { id: m.id, cls: p.cls, confidence: p.confidence };
  } catch (e) {
    reply = { id: m.id, error: (e as Error).message };
  }
  port.postMessage(
    reply,
    'cls' in reply ? [reply.cls.buffer as ArrayBuffer, reply.confidence.buffer as ArrayBuffer] : [],
  );
});
port.postMessage({ id: 0, ready: true } satisfies CnnToMain);
