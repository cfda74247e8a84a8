// Model names alone, without TensorFlow.js: declared in the contract (api/run-types.ts), re-exported here.
export { MODEL_NAMES, DEFAULT_MODEL, type ModelName } from '../../api/run-types.js';
