/** The channels a device's summary holds and the end of `rex run` names (the rest are counted). */
export const SUMMARY_CHANNELS = 20;
