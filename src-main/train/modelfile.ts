// Model files: save and load the TF.js layers format (model.json + weights.bin) on the local file system, without tfjs-node.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KpsError } from '../core/errors.js';
// Registers the custom layers (SoftArgmax) so that saved models that use them load.
import './models/index.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function joinWeights(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return tf.io.CompositeArrayBuffer.join(data);
}

/** Writes model.json and weights.bin into `dir` (created), atomically: a reader never sees half a model. */
export async function saveModel(model: tf.LayersModel, dir: string, userDefinedMetadata?: Record<string, unknown>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = joinWeights(artifacts.weightData);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: 'Keypoint Studio',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(userDefinedMetadata ? { userDefinedMetadata } : {}),
      };
      await writeFile(join(tmp, WEIGHTS_BIN), new Uint8Array(weights));
      await writeFile(join(tmp, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Reads a layers-format model from a folder holding model.json (or from the model.json path itself). */
export async function loadModel(pathOrDir: string): Promise<{ model: tf.LayersModel; metadata: Record<string, unknown> }> {
  const jsonPath = pathOrDir.endsWith('.json') ? pathOrDir : join(pathOrDir, MODEL_JSON);
  const dir = jsonPath.slice(0, jsonPath.length - (jsonPath.split('/').pop() as string).length);
  if (!existsSync(jsonPath)) throw new KpsError('not-found', `${jsonPath}: no model file here`, { file: jsonPath });
  let parsed: ModelJson;
  try {
    parsed = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  } catch (err) {
    throw new KpsError('bad-input', `${jsonPath}: not a TF.js model.json (${(err as Error).message})`, { file: jsonPath });
  }
  if (!parsed.modelTopology || !Array.isArray(parsed.weightsManifest)) throw new KpsError('bad-input', `${jsonPath}: not a TF.js layers model (no modelTopology or weightsManifest)`, { file: jsonPath });
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of parsed.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const b = await readFile(join(dir, p));
      buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
  }
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs: specs, weightData: tf.io.CompositeArrayBuffer.join(buffers) }),
  );
  return { model, metadata: parsed.userDefinedMetadata ?? {} };
}
