/** A configuration problem, naming the variable and the rule it breaks. */
export class ConfigError extends Error {}
