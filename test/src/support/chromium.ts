/** The Chromium every browser test and benchmark drives: defined in bench, which test depends on. */
export { CHROMIUM_EXECUTABLE, CHROMIUM_FLAGS } from '@enclave/bench/chromium';
