/** Module resolution hook (see preload.mjs): uvu's main entry, imported from anywhere but the wrapper, is the wrapper. */
const wrapper = new URL('./uvu.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (context.parentURL !== wrapper && /\/node_modules\/uvu\/dist\/index\.mjs$/.test(resolved.url)) {
    return { ...resolved, url: wrapper, shortCircuit: true };
  }
  return resolved;
}
