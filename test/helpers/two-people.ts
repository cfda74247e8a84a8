// A photo of two people for the multi-face tests: two 640x480 IMM photos of different persons side by side (1280 x 480).
import { join } from 'node:path';
import sharp from 'sharp';

/** Writes the photo as `two-people.jpg` in `dir` and returns its path; `data` is the shared data folder. */
export async function writeTwoPeoplePhoto(data: string, dir: string): Promise<string> {
  const photo = join(dir, 'two-people.jpg');
  const [a, b] = await Promise.all(['01-1m.jpg', '05-1m.jpg'].map((f) => sharp(join(data, 'imm-face-db', f)).resize(640, 480).toBuffer()));
  await sharp({ create: { width: 1280, height: 480, channels: 3, background: '#808080' } })
    .composite([{ input: a, left: 0, top: 0 }, { input: b, left: 640, top: 0 }])
    .jpeg({ quality: 95 })
    .toFile(photo);
  return photo;
}
