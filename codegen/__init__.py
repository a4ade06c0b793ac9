"""Everything built on the derivations: code, checks, comparisons, files and the command line.

- ``codegen.emit`` renders and writes a standalone NumPy training module (``write_module``,
  ``regenerate_all``); ``codegen.expressions`` and ``codegen.printer`` print its element-wise
  code from the registries; ``codegen.listing`` ties its lines to the delta equations.
- ``codegen.loader`` loads a generated module (file or source text) in memory, the one way
  anything here does.
- ``codegen.differences`` is the one numeric gradient (finite differences, the complex step);
  ``codegen.check`` verifies a module's gradients with it; ``codegen.compare``,
  ``codegen.forward`` and ``codegen.plots`` compare symbolic, numeric and automatic
  differentiation.
- ``codegen.lessons`` puts the gradients to work for a lecture: descent on expressions, cost
  landscapes, grid against Monte Carlo against descent, training runs and their figures.
- ``codegen.latex`` compiles LaTeX safely; ``codegen.files`` writes every output atomically,
  and the files of one command all or none.
- ``codegen.cli`` is the ``chainrule`` command line, one module per command;
  ``codegen.regenerate`` remakes the committed outputs (``generated/``, ``docs/handouts/``,
  ``docs/lessons/``).
"""
