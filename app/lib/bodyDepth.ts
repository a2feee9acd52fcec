// CONTRACT: how deeply a request body may nest (README "Security", "Hostile input").
// Parsed bodies are walked iteratively (never by recursion), so any depth the parser accepted
// is measured without touching the call stack; everything downstream (validation, JSON.stringify
// of message payloads, logging) only ever sees bodies this shallow.

/** Deepest array/object nesting of `value` (a scalar is 0, `{}` and `[]` are 1), counted up to `max + 1`. */
export function nestingDepth(value: unknown, max: number): number {
  let deepest = 0;
  const stack: Array<[ unknown, number ]> = [[ value, 0 ]];
  while (stack.length) {
    const [ node, depth ] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > max) return deepest;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([ child, here ]);
    }
  }
  return deepest;
}
