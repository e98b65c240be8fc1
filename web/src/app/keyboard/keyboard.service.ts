import { DOCUMENT } from '@angular/common';
import { DestroyRef, Injectable, inject, signal } from '@angular/core';

import { MessageKey } from '../core/messages';

/** One key and what it does; `help` words it in the help overlay. */
export interface Shortcut {
  key: string;
  help: MessageKey;
  run: () => void;
}

/** Whether a key press is someone typing (an input, a text area, a select, an editable
 * element): shortcuts never fire then. */
export function typingIn(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  const element = target as HTMLElement;
  if (element.isContentEditable) return true;
  return element.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null;
}

function onControl(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  return (target as Element).closest('a[href], button, summary, [role="button"]') !== null;
}

/** The shortcut a key press asks for, if any: the most recently registered layer first (a
 * screen's own keys before the shell's); none with a modifier held (Ctrl, Alt, Meta; Shift only
 * for `?`) or while typing; Enter on a link or a button is left to it. */
export function shortcutFor(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'target'>, layers: readonly (readonly Shortcut[])[]): Shortcut | null {
  if (event.ctrlKey || event.altKey || event.metaKey || typingIn(event.target)) return null;
  // Enter on a link or a button is theirs (the skip link, a focused row's link…).
  if (event.key === 'Enter' && onControl(event.target)) return null;
  for (let i = layers.length - 1; i >= 0; i--) {
    const found = layers[i].find((shortcut) => shortcut.key === event.key);
    if (found) return found;
  }
  return null;
}

/** The console's keyboard: screens register their keys while shown (`register` gives back
 * the unregister), the shell its global ones; `?` lists the keys of what is on screen. */
@Injectable({ providedIn: 'root' })
export class KeyboardService {
  private readonly document = inject(DOCUMENT);
  private readonly layers = signal<readonly (readonly Shortcut[])[]>([]);
  readonly helpOpen = signal(false);

  /** The keys active now, each once (a screen's key hides the shell's same key). */
  readonly active = (): Shortcut[] => {
    const seen = new Set<string>();
    const out: Shortcut[] = [];
    for (const layer of [...this.layers()].reverse()) {
      for (const shortcut of layer) {
        if (seen.has(shortcut.key)) continue;
        seen.add(shortcut.key);
        out.push(shortcut);
      }
    }
    return out;
  };

  register(shortcuts: readonly Shortcut[]): () => void {
    this.layers.update((layers) => [...layers, shortcuts]);
    return () => this.layers.update((layers) => layers.filter((layer) => layer !== shortcuts));
  }

  /** Register `shortcuts` for as long as the caller (a component) lives. */
  use(shortcuts: readonly Shortcut[], destroyRef = inject(DestroyRef)): void {
    destroyRef.onDestroy(this.register(shortcuts));
  }

  /** Run the shortcut of `event`, if any; true when one ran (the key is then consumed). */
  handle(event: KeyboardEvent): boolean {
    if (event.key === 'Escape' && this.helpOpen()) {
      this.helpOpen.set(false);
      return true;
    }
    const shortcut = shortcutFor(event, this.layers());
    if (!shortcut) return false;
    event.preventDefault();
    shortcut.run();
    return true;
  }

  /** Listen on the document (the shell calls it once). */
  listen(): () => void {
    const listener = (event: KeyboardEvent) => void this.handle(event);
    this.document.addEventListener('keydown', listener);
    return () => this.document.removeEventListener('keydown', listener);
  }
}

/** Focus the first element matching one of `selectors` (in order); false when none is there. */
export function focusFirst(root: ParentNode, ...selectors: string[]): boolean {
  for (const selector of selectors) {
    const element = root.querySelector<HTMLElement>(selector);
    if (element) {
      element.focus();
      return true;
    }
  }
  return false;
}

/** The next cursor position in a list of `count` rows (`step` +1 down, -1 up), kept inside. */
export function moved(cursor: number, step: number, count: number): number {
  if (count === 0) return -1;
  if (cursor < 0) return step > 0 ? 0 : count - 1;
  return Math.min(count - 1, Math.max(0, cursor + step));
}
