"""Everything built on the derivations: code, checks, comparisons, files and the command line.

- ``codegen.emit`` renders and writes a standalone NumPy training module (``write_module``,
  ``regenerate_all``); ``codegen.expressions`` and ``codegen.printer`` print its element-wise
  code from the registries; ``codegen.listing`` ties its lines to the delta equations.
- ``codegen.check`` verifies a module's gradients numerically; ``codegen.compare``,
  ``codegen.forward`` and ``codegen.plots`` compare symbolic, numeric and automatic
  differentiation.
- ``codegen.latex`` compiles LaTeX safely; ``codegen.files`` writes every output atomically.
- ``codegen.cli`` is the ``chainrule`` command line, one module per command;
  ``codegen.regenerate`` remakes the committed outputs (``generated/``, ``docs/handouts/``).
"""
