/**
 * What a run name (config `name`) may be: a lowercase DNS label of at most 40 characters, so that it can name the
 * run's Kubernetes objects (`<run>-coordinator` stays within 63), label its metrics and be one token of its NATS
 * subjects (`metatrain.run.<run>.step`). One rule, checked where a name comes in: the config, and the commands that
 * take a run by name (`metatrain watch RUN`), which say the same as the config does.
 */

/** A run name: lowercase letters, digits and `-`, neither first nor last, at most 40 characters. */
export const RUN_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** What a run name must be, said after the field that names it: `name: must be a DNS label: …`. */
export const RUN_NAME_RULE = 'must be a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit, at most 40 characters';
