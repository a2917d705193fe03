/**
 * tfjs's wasm backend runs convolutions forward but lacks two kernels training needs: the filter gradient of a
 * convolution (Conv2DBackpropFilter) and the gradient of a gather (UnsortedSegmentSum, for the byte embedding). They
 * are written here in plain JS over the backend's heap, so training and inference both run on wasm. Its GatherV2 is
 * replaced too for the one case the embedding uses (axis 0, float rows, int indices): the stock one copies element
 * by element through a slow path and was 1/3 of inference time.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
interface Args {
  inputs: Record<string, Info>;
  backend: BackendWasm;
  attrs: Record<string, unknown>;
}

function conv2dBackpropFilter({ inputs, backend, attrs }: Args): Info {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  if (attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm: only NHWC');
  const ci = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as [number, number],
    1,
    attrs.pad as 'valid' | 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    false,
    'channelsLast',
  );
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const dyv = backend.typedArrayFromHeap(dy) as Float32Array;
  const out = backend.makeOutput(filterShape, 'float32');
  const dw = backend.typedArrayFromHeap(out) as Float32Array;
  dw.fill(0);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = ci;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  for (let b = 0; b < batchSize; b++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++) {
        const dyo = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight - top + kh;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth - left + kw;
            if (iw < 0 || iw >= inWidth) continue;
            const xo = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wo = (kh * filterWidth + kw) * inChannels * outChannels;
            for (let c = 0; c < inChannels; c++) {
              const v = xv[xo + c];
              if (v === 0) continue; // ReLU outputs are mostly zero
              const o = wo + c * outChannels;
              for (let k = 0; k < outChannels; k++) dw[o + k] += v * dyv[dyo + k];
            }
          }
        }
      }
  return out;
}

function unsortedSegmentSum({ inputs, backend, attrs }: Args): Info {
  const { x, segmentIds } = inputs;
  const numSegments = attrs.numSegments as number;
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const ids = backend.typedArrayFromHeap(segmentIds);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], 'float32');
  const o = backend.typedArrayFromHeap(out) as Float32Array;
  o.fill(0);
  for (let i = 0; i < x.shape[0]; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const a = s * inner;
    const b = i * inner;
    for (let j = 0; j < inner; j++) o[a + j] += xv[b + j];
  }
  return out;
}

let registered = false;

/** Registers the kernels above on the wasm backend (once per process). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
  });
  const stock = tf.getKernel('GatherV2', 'wasm');
  if (!stock) return;
  tf.unregisterKernel('GatherV2', 'wasm');
  tf.registerKernel({
    kernelName: 'GatherV2',
    backendName: 'wasm',
    kernelFunc: ((args: Args) => {
      const { x, indices } = args.inputs;
      const axis = args.attrs.axis as number;
      const batchDims = (args.attrs.batchDims as number | undefined) ?? 0;
      if (axis !== 0 || batchDims !== 0 || x.dtype !== 'float32' || x.shape.length !== 2)
        return stock.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
      const rows = x.shape[0];
      const w = x.shape[1];
      const xv = args.backend.typedArrayFromHeap(x) as Float32Array;
      const iv = args.backend.typedArrayFromHeap(indices);
      const out = args.backend.makeOutput([...indices.shape, w], 'float32');
      const o = args.backend.typedArrayFromHeap(out) as Float32Array;
      for (let i = 0; i < iv.length; i++) {
        const r = iv[i];
        if (r < 0 || r >= rows) o.fill(0, i * w, (i + 1) * w);
        else o.set(xv.subarray(r * w, (r + 1) * w), i * w);
      }
      return out;
    }) as unknown as tf.KernelFunc,
  });
}
