/**
 * Typed errors of metatrain. One class per failure; each sets `name`, chains its cause and says when it is
 * thrown. Callers branch on `instanceof`, users read `message`, which always names what is wrong.
 */
import { echoValue } from './echo-value';

/** Base class of every error metatrain throws on purpose. */
export class MetatrainError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Thrown when a run config (YAML or object) fails validation; `path` is the failing field, e.g. `model.heads`. */
export class ConfigError extends MetatrainError {
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `invalid config at ${path}: ${detail}` : `invalid config: ${detail}`, options);
  }
}

/** Thrown when a dataset file or corpus is unusable; `line` is 1-based where it applies. */
export class DatasetError extends MetatrainError {
  constructor(
    readonly source: string,
    detail: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(`${source}${line !== undefined ? `:${line}` : ''}: ${detail}`, options);
  }
}

/** Why {@link FileReadError} refused a file: it cannot be opened or read, it is not a regular file, or it is over the limit. */
export type FileReadReason = 'unreadable' | 'not-a-file' | 'too-large';

/**
 * Thrown by `readBoundedFile`, `readBoundedFileAsync` and `readBoundedStdin` (src/core/bounded-file.ts; `path` is `stdin` for the last) when a user's file cannot be read whole within its limit;
 * callers wrap it in their own error (ConfigError, DatasetError). The message is `PATH: detail`, e.g.
 * `/dev/zero: not a regular file but a character device`; `detail` is the part after `PATH: `. `code` is the file
 * system's error code (ENOENT, EACCES …) when `reason` is `unreadable`; `size` the size in bytes the file reported
 * when `reason` is `too-large` and it reported more than the limit (undefined when it held more than it reported).
 */
export class FileReadError extends MetatrainError {
  readonly code: string | undefined;
  readonly size: number | undefined;
  constructor(
    readonly path: string,
    readonly reason: FileReadReason,
    readonly detail: string,
    options: { code?: string; size?: number; cause?: unknown } = {},
  ) {
    super(`${path}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.size = options.size;
  }
}

/**
 * Thrown when a directory metatrain must create (a run, output, checkpoint or log directory) cannot be created;
 * `path` is that directory, `code` the file system's error code (ENOENT, EACCES, EROFS, EEXIST …), and the
 * message says which level of the path failed and why.
 */
export class DirectoryError extends MetatrainError {
  /** @param options.action what could not be done, for the message: `lock run directory`. @default 'create directory' */
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    detail: string,
    options?: { cause?: unknown; action?: string },
  ) {
    super(`cannot ${options?.action ?? 'create directory'} ${path}: ${detail}`, options);
  }
}

/**
 * Thrown when a file or directory metatrain publishes (a checkpoint, `summary.json`, `report.html`, a compressed or
 * adapted model) cannot be written: the disk is full (ENOSPC), no permission, a read-only file system. `path` is the
 * file or directory at fault, `code` the file system's error code; the temporary copy has been removed.
 */
export class WriteError extends MetatrainError {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write ${path}: ${detail}`, options);
  }
}

/** Thrown when a tensor's shape, dtype or size does not match what the model spec or the wire expects. */
export class ShapeError extends MetatrainError {}

/** Thrown when a tensor holds NaN or ±Inf where finite values are required (gradients, parameters, inputs). */
export class NonFiniteError extends MetatrainError {}

/** Thrown when a checkpoint is missing, truncated, fails its sha256 or belongs to another config. */
export class CheckpointError extends MetatrainError {}

/** Thrown when a requested tfjs backend cannot be loaded, or lacks a kernel the chosen algorithm needs. */
export class BackendError extends MetatrainError {}

/**
 * Thrown when an algorithm/model/backend combination cannot give exact gradients (for example second-order
 * MAML through an op whose tfjs gradient reuses its saved output). Never silently downgraded.
 */
export class UnsupportedGradientError extends MetatrainError {}

/** Thrown when a run fails for good: a task exhausted its attempts, or the run was aborted. */
export class RunFailedError extends MetatrainError {}

/**
 * Thrown by the task dispatcher when a task exhausted its attempts and every attempt ended in a result refused as
 * non-finite (NaN or ±Inf in its gradient, loss or evaluation curve): workers compute deterministically, so the
 * parameters they were given, not a worker, are at fault (meta-training reports it as divergence).
 */
export class NonFiniteResultsError extends RunFailedError {}

/**
 * Thrown when a run failed because its config makes it diverge: meta-training met NaN or ±Infinity (a meta-loss, an
 * update, or results every attempt of a task gave: NonFiniteResultsError), or fine-tuning at test time did. The
 * message is `<detail>: <divergence>`; `divergence` says what diverged and what to lower (`training diverged (lower
 * algorithm.outerLr or algorithm.innerLr)`). Workers compute deterministically: resumed with the same config, the run
 * diverges again.
 */
export class DivergedError extends RunFailedError {
  constructor(
    detail: string,
    readonly divergence: string,
    options?: { cause?: unknown },
  ) {
    super(`${detail}: ${divergence}`, options);
  }
}

/**
 * Thrown when a peer presents no or wrong credentials: by a worker or `metatrain watch --coordinator` whose coordinator
 * refuses its run token or certificate (UNAUTHENTICATED, PERMISSION_DENIED: src/wire/refused-credentials.ts).
 */
export class AuthError extends MetatrainError {}

/** Thrown by a worker whose TLS handshake with the coordinator failed for a reason a retry cannot fix (a TLS mismatch). */
export class TlsMismatchError extends AuthError {}

/**
 * Thrown by a worker whose coordinator address answers, but not in gRPC over HTTP/2 (grpc-js: `Protocol error`): a
 * metrics port, NATS, a web server. A retry meets the same server.
 */
export class NotGrpcError extends MetatrainError {}

/**
 * Thrown when a TLS file given by a flag (`--tls-ca`, `--tls-cert`, `--tls-key`) cannot be used: missing, unreadable,
 * not PEM, the wrong kind (a certificate where the key belongs), or a key that does not belong to the certificate
 * (src/wire/tls-material.ts); thrown before any connection is made. `flag` and `file` name it.
 */
export class TlsFileError extends MetatrainError {
  constructor(
    readonly flag: string,
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${flag} ${file}: ${detail}`, options);
  }
}

/**
 * Thrown by `metatrain launch` before it contacts the cluster when `METATRAIN_TOKEN` holds a token the run's
 * processes would refuse (src/core/run-token.ts: not visible ASCII), instead of storing it in the run's Secret.
 */
export class RunTokenError extends MetatrainError {}

/**
 * Thrown when the value of a command-line flag cannot be used (a path too long for the file system, a token file
 * that is missing or empty), before the command starts anything. The message is `FLAG VALUE: what is wrong`, e.g.
 * `--token-file /run/token: the file is empty`; `value` is echoed cut to 80 characters (src/core/echo-value.ts).
 */
export class FlagError extends MetatrainError {
  constructor(
    readonly flag: string,
    readonly value: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${flag} ${echoValue(value)}: ${detail}`, options);
  }
}

/**
 * Thrown when the output directory of a command that publishes its result by renaming a new directory to that path
 * (`adapt`, `import-hf`, `compress`) is a symbolic link: the rename would replace the link, not write where it
 * points. `path` is the link (absolute), `target` what it points to; thrown before anything is read or written.
 */
export class OutputLinkError extends MetatrainError {
  constructor(
    readonly path: string,
    readonly target: string,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown when a network message is malformed or breaks the protocol (unknown task, oversize, bad chunking). */
export class ProtocolError extends MetatrainError {}

/**
 * Thrown when a Kubernetes API request fails (403 forbidden, 404 not found, 409 conflict, 422 invalid, 401, or an
 * unreachable API server); the message says what to do. `statusCode` is the HTTP status (0 when unreachable) and
 * `reason` the Kubernetes Status reason (`Forbidden`, `NotFound`, `Conflict`, `Invalid`, ...).
 */
export class KubernetesError extends MetatrainError {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Thrown when the message bus fails: NATS unreachable, a JetStream stream or consumer cannot be created, a job
 * cannot be published or its outcome read. The message names the server URL, stream or job.
 */
export class BusError extends MetatrainError {}

/**
 * Thrown when a compression job cannot be carried out: a malformed job, a model the pipeline cannot compress, an
 * exported ONNX model whose outputs disagree with the TypeScript model, or a job aborted by shutdown (`aborted`).
 */
export class CompressionError extends MetatrainError {
  constructor(
    message: string,
    readonly aborted = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Thrown when a compression's output directory already holds another compression (of another checkpoint, config or
 * settings) than the one asked for, a `compression.json` that is no compression report (a symbolic link or another
 * non-regular file included), or, besides a compression to be replaced, files its `compression.json` does not list,
 * before anything is written there: it is neither replaced nor taken as this one.
 */
export class OtherCompressionError extends MetatrainError {}

/**
 * Thrown when the compression committed in an output directory is the one asked for but damaged — a file its
 * `compression.json` lists is missing, unreadable, or has another size or sha256 — before it is reused: it is neither
 * reused nor removed (src/compress/committed-files.ts).
 */
export class DamagedCompressionError extends MetatrainError {}

/**
 * Thrown when a directory another metatrain process is writing (a run directory, a compression's output) is asked
 * for by a second one; `holder` says which process holds it (pid, host, command, since when). Thrown before
 * anything is written.
 */
export class DirectoryBusyError extends MetatrainError {}

/**
 * Thrown when `metatrain run` (a new run) or `pretrain` is given a run directory holding files a run does not write
 * (a user's notes, another project), where the run's files would land beside them and replace any of the same name;
 * the message names the directory, some of those files and what to do. Thrown before anything is written there.
 */
export class ForeignFilesError extends MetatrainError {}

/**
 * Thrown when `metatrain run` (a new run) or `pretrain` finds a symbolic link where it would write in its run
 * directory (`logs/coordinator.log` linked to a file elsewhere), which the write would follow out of the directory;
 * the message names the links, their targets and what to do. Thrown before anything is written there.
 */
export class RunDirectoryLinkError extends MetatrainError {}

/**
 * Thrown when a listening socket (the coordinator's gRPC port, a metrics port) cannot be bound (src/core/
 * listen-failure.ts); `part` is the part of the address at fault: the host (a name that does not resolve, an address
 * not on this machine) or the port (in use, privileged), undefined when the error does not tell; `code` is the
 * system's (EADDRINUSE, ENOTFOUND …). The message names the setting of that part when the caller gave it.
 */
export class ListenError extends MetatrainError {
  constructor(
    readonly address: string,
    readonly part: 'host' | 'port' | undefined,
    readonly code: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Thrown when a run's coordinator cannot be reached for its status (status RPC or HTTP `/status`) for longer than
 * allowed, or serves another run; the message names the address and the last phase seen.
 */
export class RunUnreachableError extends MetatrainError {}

/**
 * Thrown when a run's coordinator status (status RPC or HTTP `/status`) is read where nothing listens: the connection
 * was refused (ECONNREFUSED), the run's coordinator is not (or no longer) there.
 */
export class ConnectionRefusedError extends MetatrainError {}

/**
 * Thrown by `metatrain watch --coordinator ADDRESS` when something answers at ADDRESS, but not as a coordinator's
 * status endpoint (not gRPC, no Coordinator service, an HTTP 404 or a body that is not its status JSON): a retry
 * meets the same server. The message names the address, what answered and the port or flag to use instead.
 */
export class NotCoordinatorError extends MetatrainError {}

/**
 * Thrown when `metatrain run` is asked for more local worker processes than it starts at most, or than free memory
 * holds; the message names the flag or config field that set the count and the limit. Thrown before any process
 * starts.
 */
export class WorkerCountError extends MetatrainError {}

/**
 * Thrown when a config file is not valid YAML: the message is `FILE:LINE:COL: invalid YAML: reason` (1-based line
 * and column of the first syntax error, as editors and compilers print them).
 */
export class YamlSyntaxError extends ConfigError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('', reason, options);
    this.message = `${file}:${line}:${column}: invalid YAML: ${reason}`;
  }
}
