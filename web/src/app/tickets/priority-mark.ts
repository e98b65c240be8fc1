import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { Priority } from '../core/models';

const DOT: Record<Priority, string> = {
  low: 'bg-gray-400',
  medium: 'bg-blue-500',
  high: 'bg-orange-500',
  urgent: 'bg-red-600',
};

const TEXT: Record<Priority, string> = {
  low: 'text-gray-500',
  medium: 'text-blue-700',
  high: 'text-orange-700 font-semibold',
  urgent: 'text-red-700 font-bold',
};

/** Priority as the plan draws it: grey, blue, bold orange, and red with a pulsing dot. */
@Component({
  selector: 'app-priority-mark',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="inline-flex items-center gap-1.5 whitespace-nowrap text-xs" [class]="textClass()" [attr.data-priority]="priority()">
      <span class="relative flex h-2.5 w-2.5">
        @if (priority() === 'urgent') {
          <span class="absolute inline-flex h-full w-full animate-ping rounded-full bg-red-400 opacity-75" data-pulse></span>
        }
        <span class="relative inline-flex h-2.5 w-2.5 rounded-full" [class]="dotClass()"></span>
      </span>
      {{ label() }}
    </span>
  `,
})
export class PriorityMark {
  private readonly i18n = inject(I18nService);
  readonly priority = input.required<Priority>();
  protected readonly dotClass = computed(() => DOT[this.priority()]);
  protected readonly textClass = computed(() => TEXT[this.priority()]);
  protected readonly label = computed(() => this.i18n.priority(this.priority()));
}
