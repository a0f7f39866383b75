"""Rendering a plan: text for people, JSON for machines, apk lines, a Dockerfile.

Every renderer is a pure function of a :class:`~apkneed.plan.model.Plan`
(or of its JSON form) returning a string or plain data; printing is the
CLI's job.

* ``json_form``   ``plan_json(plan)``: the plan as JSON-ready data
* ``apk``         ``apk_add_lines(plan)``: the two ``apk add`` lines
* ``text``        ``render_text(plan, explain=False)``: tables and the apk lines
* ``dockerfile``  ``render_dockerfile(plan, command)``: a multi-stage Dockerfile
* ``explain``     ``explain_package(plan_json, name)``: the evidence chains of one apk package
* ``cyclonedx``   a CycloneDX SBOM of a planned image's final stage, or of a scanned root
* ``mapping``     the PEP 804 mapping document for Alpine
* ``table``       tables that never break or cut a word, for every text report
* ``units``       sizes in the binary units apk prints
"""
