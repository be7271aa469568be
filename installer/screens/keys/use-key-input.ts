/**
 * The one place keys enter the installer: standard input (Ink's stdin) read once, at the top of the app,
 * each chunk split into single keys (split-keys.ts) and handed over in order. No screen or field reads
 * input itself. A chunk that ends half-way through an escape sequence is held until the next chunk, or for
 * ESCAPE_HOLD_MS, after which a lone Esc is the Escape key.
 *
 * On a terminal the input is switched to raw mode (keys as typed, no echo, Ctrl-C as a key); from a pipe
 * (a serial line seen as a file, a test) the bytes are read as they come.
 */
import { useEffect, useEffectEvent } from 'react';
import { useStdin } from 'ink';
import { ESCAPE_HOLD_MS, flushKeys, initialSplitter, splitKeys, type Key, type SplitterState } from './split-keys.js';

export function useKeyInput(onKeys: (keys: readonly Key[]) => void): void {
  const { stdin } = useStdin();
  // Keys go to the onKeys of the latest render; the reader itself starts once per stdin.
  const handle = useEffectEvent((keys: readonly Key[]) => onKeys(keys));
  useEffect(() => {
    let splitter: SplitterState = initialSplitter;
    let timer: NodeJS.Timeout | undefined;
    const deliver = (result: { state: SplitterState; keys: readonly Key[] }) => {
      splitter = result.state;
      if (result.keys.length > 0) handle(result.keys);
    };
    const onData = (chunk: string | Buffer) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      deliver(splitKeys(splitter, String(chunk)));
      if (splitter.pending !== '') timer = setTimeout(() => deliver(flushKeys(splitter)), ESCAPE_HOLD_MS);
    };
    const raw = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
    if (raw) stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      stdin.off('data', onData);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
    };
  }, [stdin]);
}
