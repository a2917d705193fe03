/** Frames (Suricata's app-layer frames): the record type and the per-flow numbering framers share. */
export { FRAME_NAMES, FrameIds, type AppFrame, type FrameRecord } from './frame.js';
