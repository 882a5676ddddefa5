/** The `--backend` option of the commands that run tfjs (loads src/model/backend, so not for tfjs-free commands). */
import { Option } from 'commander';
import { BACKEND_NAMES } from '../model/backend';

/**
 * `--backend <name>` restricted to the tfjs backends (`wasm`, `cpu`, `tensorflow`): commander refuses any other
 * value, naming the option and the allowed choices; the help lists the choices.
 * @param what what the backend runs, for the help text, e.g. `tfjs backend of the workers`.
 * @param extra help text after the choices, e.g. `(overrides runtime.backend)`.
 * @param defaultValue the value when the option is absent; none = undefined.
 */
export function backendOption(what: string, extra = '', defaultValue?: string): Option {
  const option = new Option('--backend <name>', extra ? `${what} ${extra}` : what).choices(BACKEND_NAMES);
  return defaultValue === undefined ? option : option.default(defaultValue);
}
