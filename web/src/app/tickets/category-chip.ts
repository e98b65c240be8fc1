import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';

import { ConfigService, categoryLabel } from '../core/config.service';
import { I18nService } from '../core/i18n.service';
import { Icon } from '../widgets/icon';

const NEUTRAL = '#6B7280';

/** A category with its configured icon, colour and label (the id when it is no longer configured). */
@Component({
  selector: 'app-category-chip',
  imports: [Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="inline-flex items-center gap-1 whitespace-nowrap text-xs text-gray-700" [attr.data-category]="id()">
      <app-icon [name]="icon()" [size]="14" [style.color]="color()" />
      {{ label() }}
    </span>
  `,
})
export class CategoryChip {
  private readonly config = inject(ConfigService);
  private readonly i18n = inject(I18nService);
  private readonly current = toSignal(this.config.config$, { initialValue: null });
  readonly id = input.required<string>();

  private readonly category = computed(() =>
    this.current()?.ticketCategories.find((category) => category.id === this.id()),
  );
  protected readonly label = computed(() => categoryLabel(this.category(), this.id(), this.i18n.language()));
  protected readonly icon = computed(() => this.category()?.icon ?? null);
  protected readonly color = computed(() => this.category()?.color ?? NEUTRAL);
}
