// Who made a keypoint value, read from its provenance: a model's prediction stays "predicted, unconfirmed" until a
// person confirms or edits it (issue 11 item 3). Pure and isomorphic.

/** Provenance prefix of a value written from a model's prediction (a run, or the pretrained net): `model:<run id>`. */
export const MODEL_PREFIX = 'model:';

/** Journal actor (and so provenance) of an accepted prediction of `runId`. */
export function modelActor(runId: string): string {
  return `${MODEL_PREFIX}${runId}`;
}

/** True for a value a model wrote that no person has confirmed or changed since. */
export function isPredictedProvenance(provenance: string | undefined | null): boolean {
  return typeof provenance === 'string' && provenance.startsWith(MODEL_PREFIX);
}

/** The run id of a predicted value (`model:<run id>`), or null. */
export function predictedRun(provenance: string | undefined | null): string | null {
  return isPredictedProvenance(provenance) ? provenance!.slice(MODEL_PREFIX.length) : null;
}

/** SQL condition on a `labels` row aliased `l`: a present (not missing) value written by a model and not confirmed. */
export const PREDICTED_LABEL_SQL = "(l.state != 'missing' AND l.provenance LIKE 'model:%')";
