"""What smoke resources run (docs/smoke.md).

``http_smoke`` resources run ``fops smoke http`` (native C++, the route
smoke of libfops); ``browser_smoke`` resources run ``fops smoke browser``,
which finds node, playwright-core and Chromium here (:mod:`fops.smoke.browser`)
and runs ``browser_smoke.js``, shipped beside this file.
"""
