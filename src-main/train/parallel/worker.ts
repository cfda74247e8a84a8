// A data-parallel training worker: its own TensorFlow.js (WebAssembly) instance and model; computes loss and gradients on a shard.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.js';
import { coordLoss } from '../losses.js';
import { buildModel } from '../models/index.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerStep } from './protocol.js';

if (!parentPort) throw new Error('train/parallel/worker.ts must run in a worker thread');
const port = parentPort;

let model: tf.LayersModel | null = null;
let init: WorkerInit | null = null;
let flat: Float32Array | null = null;

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

async function onInit(msg: WorkerInit): Promise<void> {
  init = msg;
  const be = await initBackend(msg.backend);
  model = buildModel(msg.modelName, msg.modelOpts);
  flat = new Float32Array(msg.weights);
  send({ type: 'ready', backend: be.name, reason: be.reason, shapes: model.weights.map((w) => w.shape as number[]), trainable: model.weights.map((w) => w.trainable) });
}

/** Loads the main thread's current weights from shared memory into this worker's model. */
function loadWeights(m: tf.LayersModel, src: Float32Array): void {
  let off = 0;
  const tensors = m.weights.map((w) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(src.subarray(off, off + n), shape, 'float32');
    off += n;
    return t;
  });
  m.setWeights(tensors);
  tf.dispose(tensors);
}

function onStep(msg: WorkerStep): void {
  if (!model || !init || !flat) throw new Error('worker got a step before init');
  const m = model;
  const cfg = init;
  const t0 = performance.now();
  loadWeights(m, flat);
  let labelled = 0;
  for (let i = 0; i < msg.y.length; i++) if (!Number.isNaN(msg.y[i])) labelled++;
  const x = tf.tensor(msg.x, msg.xShape, 'float32');
  const y = tf.tensor(msg.y, msg.yShape, 'float32');
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const pred = m.apply(x, { training: true }) as tf.Tensor;
    return coordLoss(cfg.loss, pred, y, cfg.huberDelta === undefined ? {} : { huberDelta: cfg.huberDelta });
  }, vars);
  const out: Float32Array[] = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  const loss = value.dataSync()[0];
  // A copy: on the cpu backend dataSync hands out the live buffer, which must not be transferred away.
  const state = m.weights.filter((w) => !w.trainable).map((w) => new Float32Array(w.read().dataSync() as Float32Array));
  tf.dispose([x, y, value, ...Object.values(grads)]);
  const transfer = [...out, ...state].map((a) => a.buffer as ArrayBuffer);
  send({ type: 'done', id: msg.id, loss, labelled, grads: out, state, ms: performance.now() - t0 }, transfer);
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'close') {
    port.close();
    return;
  }
  const run = msg.type === 'init' ? onInit(msg) : Promise.resolve().then(() => onStep(msg));
  run.catch((err: unknown) => {
    send({ type: 'error', ...(msg.type === 'step' ? { id: msg.id } : {}), message: err instanceof Error ? err.message : String(err) });
  });
});
