/** Why a file could not be read, in words, for error messages that name the file (a flag's file, a TLS file). */

/**
 * The reason `err` (thrown by `readFileSync` and the like) gives for not reading a file: `no such file`,
 * `is a directory, not a file`, `permission denied`, else the error's own message.
 */
export function unreadableReason(err: unknown): string {
  const { code } = err as NodeJS.ErrnoException;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
}
