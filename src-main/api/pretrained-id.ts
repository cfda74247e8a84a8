// The pseudo-run id of the pretrained 68-point net (no imports: cheap for every module that checks a run id).

/** Selects the pretrained net wherever a run can be chosen (ghosts, fill, photo predict, `kps predict --pretrained`, QC). */
export const PRETRAINED_ID = 'pretrained:face-api-68';
export const PRETRAINED_NAME = 'face-api 68-point net (pretrained)';

export function isPretrainedId(id: unknown): id is typeof PRETRAINED_ID {
  return id === PRETRAINED_ID;
}
