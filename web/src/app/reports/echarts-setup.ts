// ECharts, tree-shaken: only the charts, components and renderer the Reports page draws with.
// Imported lazily by `ReportChart`, so it is a chunk of its own that only that page loads.

import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export { echarts };
