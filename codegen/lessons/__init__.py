"""Training lessons: what gradient descent does with the derived gradients.

One concept per module, each a function returning plain data (the plots are drawn from it):

- ``descent``: gradient descent on a plain expression of one or two variables, its derivative
  derived by ``derive.expression``; the step-size lesson (ping-pong, divergence, clipping), and
  the one descent loop the other lessons reuse on a slice of a network's parameters.
- ``network``: a network's lesson setting: the generated training module rendered fresh and
  loaded in memory, its data, the starting parameters, parameter names in either spelling.
- ``landscape``: the cost over two chosen parameters, with a descent path and gradient arrows.
- ``search``: grid search against Monte Carlo against gradient descent, at one budget.
- ``training``: the generated module's ``train()`` with its loss history, compared over rates,
  momentum and batch size, and the decision boundary of a two-input classifier.
- ``plots``: matplotlib figures of all of these (Agg backend), and their deterministic bytes;
  ``output``: what the commands share (number formats, ``--plots`` file names, writing).
- ``lecture``: the training section of a handout and the committed pictures of docs/lessons.md.
"""
