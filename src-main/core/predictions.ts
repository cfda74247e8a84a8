// The predictions file of photos (`kps predict --out`, the Photos view's download): its record types and its JSON and CSV text.

/** What the coordinates in a predictions file mean; written into every file. */
export const PREDICTION_COORDINATES = '0-based pixels of each image, pixel centres at integers';

export interface PredictedKeypoint {
  name: string;
  x: number;
  y: number;
}

/** One image's predictions. */
export interface PredictedImage {
  file: string;
  width: number;
  height: number;
  /** The detector's face box that was cropped; null when the whole image was the crop (no detection, or a face-sized image). */
  face: { x: number; y: number; width: number; height: number; score: number } | null;
  usedFallback: boolean;
  fallbackReason?: string;
  /** The keypoints the run predicts, in schema order; keypoints it does not predict are left out. */
  keypoints: PredictedKeypoint[];
  /** With every face predicted (`kps predict --all-faces`): which face of the photo this record is, best score first. */
  faceIndex?: number;
}

export interface PredictionsFile {
  run: string;
  schema: string;
  coordinates: string;
  images: PredictedImage[];
}

export type PredictionsFormat = 'json' | 'csv';

/** The format a predictions file path asks for: `.csv` is CSV, anything else JSON. */
export function predictionsFormatOf(path: string): PredictionsFormat {
  return /\.csv$/i.test(path) ? 'csv' : 'json';
}

export function predictionsJson(file: PredictionsFile): string {
  return JSON.stringify(file, null, 1);
}

export const PREDICTIONS_CSV_HEADER = ['file', 'keypoint', 'x', 'y', 'image_width', 'image_height', 'face_x', 'face_y', 'face_width', 'face_height', 'face_score', 'used_fallback', 'run', 'schema', 'face_index'] as const;

function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // RFC 4180: quote fields holding a comma, quote or line break (file paths may hold commas).
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per predicted keypoint (the same figures as the JSON; numbers in full precision); an image with none gets one row without a keypoint. */
export function predictionsCsv(file: PredictionsFile): string {
  const rows: string[] = [PREDICTIONS_CSV_HEADER.join(',')];
  for (const im of file.images) {
    const f = im.face;
    const tail = [im.width, im.height, f?.x, f?.y, f?.width, f?.height, f?.score, im.usedFallback, file.run, file.schema, im.faceIndex];
    const kps = im.keypoints.length ? im.keypoints : [null];
    for (const k of kps) rows.push([im.file, k?.name, k?.x, k?.y, ...tail].map(csvField).join(','));
  }
  return rows.join('\n') + '\n';
}

export function predictionsText(file: PredictionsFile, format: PredictionsFormat): string {
  return format === 'csv' ? predictionsCsv(file) : predictionsJson(file);
}
