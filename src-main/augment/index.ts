// Public surface of the augmentation module: parameters and presets, the Augmenter, and the warp primitives.
export * from './params.js';
export * from './augment.js';
export * from './affine.js';
export { warpAffine, toFloat, type ImageBuffer, type PixelArray, type Border } from './warp.js';
export { adjustTone, gaussianBlur, gaussianKernel, addGaussianNoise } from './photometric.js';
export { AugmentRng, mixSeed } from './prng.js';
