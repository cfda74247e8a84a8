// What each keypoint of a schema is, in words, for the editor's reference panel. Pure.
// A schema may carry its own `description` per keypoint; the built-in Kaggle and iBUG 300-W layouts have
// written descriptions here (so projects created before descriptions existed get them too); any other
// keypoint gets one made from its group, side and place in its contour.
import { KAGGLE_SCHEMA_ID } from './schema.js';
import type { KeypointDef, KeypointSchema } from './types.js';

const SUBJECT_LEFT = "the subject's left (the right of the image)";
const SUBJECT_RIGHT = "the subject's right (the left of the image)";

const KAGGLE_15: Record<string, string> = {
  left_eye_center: `Centre of the pupil of the eye on ${SUBJECT_LEFT}.`,
  right_eye_center: `Centre of the pupil of the eye on ${SUBJECT_RIGHT}.`,
  left_eye_inner_corner: `Inner corner (towards the nose) of the eye on ${SUBJECT_LEFT}.`,
  left_eye_outer_corner: `Outer corner (towards the ear) of the eye on ${SUBJECT_LEFT}.`,
  right_eye_inner_corner: `Inner corner (towards the nose) of the eye on ${SUBJECT_RIGHT}.`,
  right_eye_outer_corner: `Outer corner (towards the ear) of the eye on ${SUBJECT_RIGHT}.`,
  left_eyebrow_inner_end: `End of the eyebrow nearest the nose, on ${SUBJECT_LEFT}.`,
  left_eyebrow_outer_end: `End of the eyebrow nearest the ear, on ${SUBJECT_LEFT}.`,
  right_eyebrow_inner_end: `End of the eyebrow nearest the nose, on ${SUBJECT_RIGHT}.`,
  right_eyebrow_outer_end: `End of the eyebrow nearest the ear, on ${SUBJECT_RIGHT}.`,
  nose_tip: 'Tip of the nose: its most forward point, above the nostrils (not a nostril).',
  mouth_left_corner: `Corner of the mouth on ${SUBJECT_LEFT}, where the lips meet.`,
  mouth_right_corner: `Corner of the mouth on ${SUBJECT_RIGHT}, where the lips meet.`,
  mouth_center_top_lip: 'Middle of the upper lip, on its top (outer) edge.',
  mouth_center_bottom_lip: 'Middle of the lower lip, on its bottom (outer) edge.',
};

/** iBUG 300-W's 68-point mark-up (1-based numbers as in its papers), by point number. */
function ibug68(n: number): string {
  const num = `Point ${n} of the 300-W mark-up. `;
  if (n <= 17) {
    const where = n === 9 ? 'the chin, on the midline' : n < 9 ? `${SUBJECT_RIGHT}, ${9 - n} step${9 - n > 1 ? 's' : ''} above the chin` : `${SUBJECT_LEFT}, ${n - 9} step${n - 9 > 1 ? 's' : ''} above the chin`;
    const end = n === 1 ? ' Top of the contour, level with the eye, by the ear.' : n === 17 ? ' Top of the contour, level with the eye, by the ear.' : '';
    return `${num}Jaw contour: ${where} (the contour runs from point 1 by the right ear, through the chin at 9, to 17 by the left ear).${end}`;
  }
  if (n <= 22) return `${num}Eyebrow on ${SUBJECT_RIGHT}, point ${n - 17} of 5 along its upper edge from the outer end (18) to the inner end (22).`;
  if (n <= 27) return `${num}Eyebrow on ${SUBJECT_LEFT}, point ${n - 22} of 5 along its upper edge from the inner end (23) to the outer end (27).`;
  if (n <= 31) return `${num}Nose bridge on the midline, point ${n - 27} of 4 from between the eyes (28) down to the tip of the nose (31).`;
  if (n <= 36) {
    const names = ['outer edge of the nostril on the subject\'s right', 'under the right nostril', 'bottom of the nose on the midline, between the nostrils', 'under the left nostril', 'outer edge of the nostril on the subject\'s left'];
    return `${num}Lower nose, point ${n - 31} of 5: ${names[n - 32]}.`;
  }
  const eye = (first: number, side: string, outerFirst: boolean): string => {
    const k = n - first;
    const inner = outerFirst ? 3 : 0;
    const outer = outerFirst ? 0 : 3;
    const what = k === outer ? 'outer corner (towards the ear)' : k === inner ? 'inner corner (towards the nose)' : k === 1 || k === 2 ? 'upper lid' : 'lower lid';
    return `${num}Eye on ${side}, point ${k + 1} of 6 going clockwise in the image: ${what}.`;
  };
  if (n <= 42) return eye(37, SUBJECT_RIGHT, true);
  if (n <= 48) return eye(43, SUBJECT_LEFT, false);
  if (n <= 60) {
    const named: Record<number, string> = { 49: 'corner of the mouth on the subject\'s right', 52: 'middle of the upper lip, outer edge', 55: 'corner of the mouth on the subject\'s left', 58: 'middle of the lower lip, outer edge' };
    return `${num}Outer lip contour, point ${n - 48} of 12 going clockwise in the image from the right mouth corner (49)${named[n] ? `: ${named[n]}` : n < 55 ? ': upper lip' : ': lower lip'}.`;
  }
  const named: Record<number, string> = { 61: 'inner corner of the mouth on the subject\'s right', 63: 'middle of the upper lip, inner edge', 65: 'inner corner of the mouth on the subject\'s left', 67: 'middle of the lower lip, inner edge' };
  return `${num}Inner lip contour, point ${n - 60} of 8 from the right inner corner (61)${named[n] ? `: ${named[n]}` : n < 65 ? ': upper lip, inner edge' : ': lower lip, inner edge'}.`;
}

const GROUP_WORDS: Record<KeypointDef['group'], string> = {
  eye: 'Eye', brow: 'Eyebrow', nose: 'Nose', mouth: 'Mouth', jaw: 'Jaw contour', other: 'Keypoint',
};

/** The keypoint at `index` of `schema`, described in one or two sentences. */
export function describeKeypoint(schema: KeypointSchema, index: number): string {
  const def = schema.keypoints[index];
  if (!def) return '';
  if (def.description) return def.description;
  if (schema.id === KAGGLE_SCHEMA_ID && KAGGLE_15[def.name]) return KAGGLE_15[def.name];
  if (schema.id === 'ibug-68' && schema.keypoints.length === 68) return ibug68(index + 1);
  if (/pupil/.test(def.name)) return `Centre of the pupil on ${def.side === 'left' ? SUBJECT_LEFT : SUBJECT_RIGHT}.`;
  if (def.name === 'nose_tip') return KAGGLE_15.nose_tip;
  // Generic: the contour a numbered point belongs to, and its place along it.
  const m = /^(.*?)_?(\d+)$/.exec(def.name);
  const side = def.side === 'left' ? ` on ${SUBJECT_LEFT}` : def.side === 'right' ? ` on ${SUBJECT_RIGHT}` : ', on the midline';
  if (m) {
    const stem = m[1];
    const members = schema.keypoints.filter((k) => /^(.*?)_?(\d+)$/.exec(k.name)?.[1] === stem);
    const place = members.findIndex((k) => k.name === def.name) + 1;
    return `${GROUP_WORDS[def.group]}${side}: point ${place} of ${members.length} of "${stem}", in the order of the layout's mark-up.`;
  }
  return `${GROUP_WORDS[def.group]}${side}.`;
}
