// The training loop and its callbacks (see docs/training.md, "The loop and its callbacks").
export * from './types.js';
export { runLoop, type LoopBody, type LoopResult } from './loop.js';
export { ControlCallback, type ControlHooks } from './control.js';
export { TimeLimitCallback } from './time-limit.js';
export { DivergenceCallback, TrainingDivergedError } from './divergence.js';
export { EarlyStopCallback, type EarlyStopState } from './early-stop.js';
export { CheckpointCallback, type CheckpointSaver } from './checkpoint.js';
export { ProgressCallback, type ProgressHooks, type ProgressReport } from './progress.js';
