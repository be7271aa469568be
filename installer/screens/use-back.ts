/** Esc goes back a step, on every screen, without losing what was entered. */
import { useInput } from 'ink';

export function useBack(onBack: (() => void) | undefined, isActive: boolean): void {
  useInput(
    (_input, key) => {
      if (key.escape && onBack) onBack();
    },
    { isActive: isActive && onBack !== undefined },
  );
}
