{#
    95% confidence intervals of proportions, in plain arithmetic that every engine computes alike.

    wilson_bound: one end of the Wilson score interval of `successes` out of `trials`. Unlike the
    normal (Wald) interval it is never zero-wide at 0 or 1 successes, which small control groups
    with no responders produce.

    newcombe_difference_bound: one end of the interval of p1 - p2 by Newcombe's hybrid score
    method (Newcombe 1998, method 10), built from the two Wilson intervals; it keeps its coverage
    near 95% with small groups and rare events, where the Wald interval of the difference is
    too narrow (a zero-variance control group makes it the treated group's interval alone).
#}
{% macro wilson_bound(successes, trials, side, z=1.96) -%}
    {%- set p = "(cast(" ~ successes ~ " as double) / nullif(" ~ trials ~ ", 0))" -%}
    {%- set n = "cast(" ~ trials ~ " as double)" -%}
    (
        ({{ p }} + {{ z * z }} / (2 * {{ n }}))
        {{ '-' if side == 'low' else '+' }} {{ z }} * sqrt(
            {{ p }} * (1 - {{ p }}) / {{ n }} + {{ z * z }} / (4 * {{ n }} * {{ n }})
        )
    ) / (1 + {{ z * z }} / {{ n }})
{%- endmacro %}

{% macro newcombe_difference_bound(x1, n1, x2, n2, side) -%}
    {%- set p1 = "(cast(" ~ x1 ~ " as double) / nullif(" ~ n1 ~ ", 0))" -%}
    {%- set p2 = "(cast(" ~ x2 ~ " as double) / nullif(" ~ n2 ~ ", 0))" -%}
    {%- if side == 'low' -%}
    ({{ p1 }} - {{ p2 }} - sqrt(
        power({{ p1 }} - {{ wilson_bound(x1, n1, 'low') }}, 2)
        + power({{ wilson_bound(x2, n2, 'high') }} - {{ p2 }}, 2)
    ))
    {%- else -%}
    ({{ p1 }} - {{ p2 }} + sqrt(
        power({{ wilson_bound(x1, n1, 'high') }} - {{ p1 }}, 2)
        + power({{ p2 }} - {{ wilson_bound(x2, n2, 'low') }}, 2)
    ))
    {%- endif -%}
{%- endmacro %}
