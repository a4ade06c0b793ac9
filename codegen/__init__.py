"""Everything built on the derivations: code, checks, comparisons, files and the command line.

- ``codegen.lower`` lowers the delta form to statements; ``codegen.print_arrays`` prints them
  as NumPy or torch code; ``codegen.lesson``, ``codegen.fast`` and ``codegen.torch_target``
  lay out one style each (``codegen.parts`` holds what they share, ``codegen.literal`` the one
  emitter of spec text); ``codegen.emit`` renders and writes them (``write_module``,
  ``regenerate_all``). ``codegen.sympy_code`` prints the registries' SymPy expressions as
  NumPy, ``codegen.fast_elementwise`` the fast style's in-place element-wise code;
  ``codegen.listing`` gives the handouts the lesson module's lines of each delta equation.
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

The Python API is ``emit_module``, ``check_module`` and ``compare_methods`` (``codegen.api``).
"""

from codegen.api import check_module, compare_methods, emit_module

__all__ = ["check_module", "compare_methods", "emit_module"]
