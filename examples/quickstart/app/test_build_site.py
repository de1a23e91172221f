"""Unit tests of the site generator (the quickstart's "unit" resource)."""
import os
import tempfile
import unittest

import build_site


class BuildSiteTest(unittest.TestCase):
    def test_builds_an_index_that_links_every_page(self):
        with tempfile.TemporaryDirectory() as tmp:
            content, out = os.path.join(tmp, "content"), os.path.join(tmp, "dist")
            os.makedirs(content)
            with open(os.path.join(content, "index.txt"), "w") as f:
                f.write("Home\n\nWelcome.\n")
            with open(os.path.join(content, "about.txt"), "w") as f:
                f.write("About <us>\n\nWe build & ship.\n")
            self.assertEqual(build_site.build(content, out), ["index.html", "about.html"])
            with open(os.path.join(out, "index.html")) as f:
                self.assertIn('<a href="about.html">About &lt;us&gt;</a>', f.read())
            with open(os.path.join(out, "about.html")) as f:
                self.assertIn("<p>We build &amp; ship.</p>", f.read())
            with open(os.path.join(out, "healthz.txt")) as f:
                self.assertEqual(f.read(), "ok\n")


if __name__ == "__main__":
    unittest.main()
