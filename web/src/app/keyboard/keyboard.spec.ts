import { TestBed } from '@angular/core/testing';

import { KeyboardService, Shortcut, focusFirst, moved, shortcutFor, typingIn } from './keyboard.service';

function press(key: string, target: EventTarget | null = document.body, mods: Partial<KeyboardEvent> = {}): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...mods });
  Object.defineProperty(event, 'target', { value: target });
  return event;
}

describe('the keyboard shortcuts', () => {
  it('never fire while typing in an input, a text area, a select or an editable element', () => {
    const input = document.createElement('input');
    const area = document.createElement('textarea');
    const editable = document.createElement('div');
    editable.setAttribute('contenteditable', 'true');
    const inside = document.createElement('span');
    editable.appendChild(inside);
    for (const target of [input, area, inside]) expect(typingIn(target)).toBe(true);
    expect(typingIn(document.createElement('button'))).toBe(false);
    const j: Shortcut = { key: 'j', help: 'keys.down', run: () => undefined };
    expect(shortcutFor(press('j', input), [[j]])).toBeNull();
    expect(shortcutFor(press('j'), [[j]])).toBe(j);
  });

  it('leave Enter on a link or a button to it', () => {
    const enter: Shortcut = { key: 'Enter', help: 'keys.open', run: () => undefined };
    const link = document.createElement('a');
    link.href = '#main';
    expect(shortcutFor(press('Enter', link), [[enter]])).toBeNull();
    expect(shortcutFor(press('Enter', document.createElement('button')), [[enter]])).toBeNull();
    expect(shortcutFor(press('Enter'), [[enter]])).toBe(enter);
  });

  it('leave keys with Ctrl, Alt or Meta to the browser', () => {
    const n: Shortcut = { key: 'n', help: 'keys.note', run: () => undefined };
    expect(shortcutFor(press('n', document.body, { ctrlKey: true }), [[n]])).toBeNull();
    expect(shortcutFor(press('n', document.body, { metaKey: true }), [[n]])).toBeNull();
  });

  it("run a screen's key before the shell's same key, and stop when it unregisters", () => {
    const keyboard = TestBed.inject(KeyboardService);
    const ran: string[] = [];
    keyboard.register([{ key: 'a', help: 'keys.assign', run: () => ran.push('shell') }]);
    const off = keyboard.register([{ key: 'a', help: 'keys.assign', run: () => ran.push('list') }]);
    const event = press('a');
    expect(keyboard.handle(event)).toBe(true);
    expect(event.defaultPrevented).toBe(true);
    off();
    keyboard.handle(press('a'));
    expect(ran).toEqual(['list', 'shell']);
    expect(keyboard.active().map((s) => s.key)).toEqual(['a']);
    expect(keyboard.handle(press('x'))).toBe(false);
  });

  it('close the help with Escape', () => {
    const keyboard = TestBed.inject(KeyboardService);
    keyboard.helpOpen.set(true);
    expect(keyboard.handle(press('Escape'))).toBe(true);
    expect(keyboard.helpOpen()).toBe(false);
  });

  it('move a cursor within the rows, starting at either end', () => {
    expect(moved(-1, 1, 3)).toBe(0);
    expect(moved(-1, -1, 3)).toBe(2);
    expect(moved(2, 1, 3)).toBe(2);
    expect(moved(0, -1, 3)).toBe(0);
    expect(moved(1, 1, 3)).toBe(2);
    expect(moved(0, 1, 0)).toBe(-1);
  });

  it('focus the reply composer, or the note box it falls back to', () => {
    const root = document.createElement('div');
    root.innerHTML = '<textarea data-testid="note-content"></textarea>';
    document.body.appendChild(root);
    expect(focusFirst(root, '[data-shortcut="reply"]', '[data-testid="note-content"]')).toBe(true);
    expect(document.activeElement).toBe(root.querySelector('textarea'));
    expect(focusFirst(root, '[data-shortcut="note"]')).toBe(false);
    root.remove();
  });
});
