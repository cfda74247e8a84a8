// Model names alone, without TensorFlow.js: for the CLI's help and request validation, which must load fast.
export const MODEL_NAMES = ['kpnet', 'smallnet', 'vgg', 'resnet5', 'resnet18', 'unet'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** Used when --model is left out: chosen by measured accuracy per second of CPU training (docs/training.md). */
export const DEFAULT_MODEL: ModelName = 'kpnet';
