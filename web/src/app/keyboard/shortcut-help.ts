import { ChangeDetectionStrategy, Component, inject } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { KeyboardService } from './keyboard.service';

/** `?`: the keys of what is on screen, in a dialog (Escape or the button closes it). */
@Component({
  selector: 'app-shortcut-help',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (keyboard.helpOpen()) {
      <div class="fixed inset-0 z-50 flex items-center justify-center bg-black/30 p-4" (click)="keyboard.helpOpen.set(false)">
        <div class="w-full max-w-sm rounded-lg bg-white p-4 shadow-xl" role="dialog" aria-modal="true" aria-labelledby="shortcut-help-title" (click)="$event.stopPropagation()" data-testid="shortcut-help">
          <h2 id="shortcut-help-title" class="mb-3 text-base font-semibold text-gray-900">{{ i18n.t('keys.title') }}</h2>
          <dl class="space-y-1.5 text-sm">
            @for (shortcut of keyboard.active(); track shortcut.key) {
              <div class="flex items-center gap-3">
                <dt><kbd class="inline-block min-w-[1.75rem] rounded border border-gray-300 bg-gray-50 px-1.5 text-center font-mono text-xs">{{ shortcut.key }}</kbd></dt>
                <dd class="text-gray-700">{{ i18n.t(shortcut.help) }}</dd>
              </div>
            }
          </dl>
          <button type="button" class="mt-4 rounded-md border border-gray-300 px-3 py-1.5 text-sm" (click)="keyboard.helpOpen.set(false)">{{ i18n.t('keys.close') }}</button>
        </div>
      </div>
    }
  `,
})
export class ShortcutHelp {
  protected readonly i18n = inject(I18nService);
  protected readonly keyboard = inject(KeyboardService);
}
