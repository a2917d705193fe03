/** Option parsers shared by the commands. */

/** A repeatable option (`--ca a.pem --ca b.pem`) gathered into a list. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];
