;; A command whose `_start` does nothing: what is left is the cost of running one.
(module
  (func (export "_start")))
