/** Public surface of src/report: the self-contained HTML report of a run (`report.html`), plots rendered to SVG. */
export { REPORT_FILE, writeRunReport } from './write-report';
export { isRunReportHead, REPORT_HEAD_BYTES } from './report-html';
export { compressionResults, readCompressionResults } from './compression-results';
export { reportPlots } from './report-plots';
export { renderVegaLiteSvg } from './render-svg';
export type { CompressedModelResult, CompressionResults } from './compression-results';
export type { ReportPlot } from './report-plots';
