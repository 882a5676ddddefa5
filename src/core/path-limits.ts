/**
 * Limits of file system paths that a user gives (config fields, flags), checked before anything opens them: Linux
 * refuses a path over PATH_MAX (4096 bytes) with ENAMETOOLONG and a file name over NAME_MAX (255 bytes), and an
 * error naming the field and the path cut to 80 characters says more than that errno.
 */
import { echoValue } from './echo-value';

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/** Longest path component (a file or directory name) accepted, in UTF-8 bytes (Linux NAME_MAX). */
export const MAX_PATH_COMPONENT_BYTES = 255;

/**
 * What is wrong with `path`'s length, as a phrase such as `is 5000 bytes long, more than the 4096 a path may
 * have`; undefined when it fits.
 */
export function pathLengthProblem(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_PATH_BYTES) return `is ${bytes} bytes long, more than the ${MAX_PATH_BYTES} a path may have`;
  const long = path.split('/').find((part) => Buffer.byteLength(part) > MAX_PATH_COMPONENT_BYTES);
  if (long !== undefined) return `has a component of ${Buffer.byteLength(long)} bytes (${echoValue(long)}), more than the ${MAX_PATH_COMPONENT_BYTES} a file name may have`;
  return undefined;
}
