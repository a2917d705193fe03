/**
 * TensorFlow.js on its wasm backend (tfjs-node cannot install here), single-threaded: the appliance shares its cores
 * with the packet path. Started once per process; everything in ml/ awaits this first.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

let ready: Promise<typeof tf> | undefined;

export function tfReady(): Promise<typeof tf> {
  ready ??= (async () => {
    registerWasmTrainingKernels();
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('the TensorFlow.js wasm backend did not start');
    await tf.ready();
    return tf;
  })();
  return ready;
}
